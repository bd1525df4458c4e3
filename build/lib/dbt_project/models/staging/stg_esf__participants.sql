with

source as (

    select * from {{ source('esf', 'participants') }}

),

renamed as (

    select
        cast(participant_id as varchar) as participant_id,
        cast(project_id as varchar) as project_id,
        cast(entry_date as date) as entry_date,
        cast(exit_date as date) as exit_date,
        cast(gender as varchar) as gender,
        cast(birth_year as integer) as birth_year,
        cast(employment_status as varchar) as employment_status,
        cast(isced as integer) as isced,
        cast(single_parent as boolean) as single_parent,
        cast(children_under_18 as integer) as children_under_18,
        cast(disability as varchar) as disability,
        cast(nationality as varchar) as nationality,
        cast(foreign_background as varchar) as foreign_background,
        cast(minority as varchar) as minority,
        cast(homeless as varchar) as homeless,
        cast(rural as varchar) as rural,
        cast(district as varchar) as district,
        cast(access_channel as varchar) as access_channel,
        cast(exit_reason as varchar) as exit_reason,
        cast(status_upon_leaving as varchar) as status_upon_leaving,
        cast(qualification_gained as boolean) as qualification_gained,

        cast(_provider_id as varchar) as provider_id,
        cast(_reporting_month as varchar) as reporting_month,
        cast(_file_sha256 as varchar) as file_sha256,
        cast(_source_row as integer) as source_row,
        cast(_loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
