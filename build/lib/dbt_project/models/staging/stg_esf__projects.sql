with

source as (

    select * from {{ source('esf', 'projects') }}

),

renamed as (

    select
        cast(project_id as varchar) as project_id,
        cast(project_name as varchar) as project_name,
        cast(programme as varchar) as programme,
        cast(jobcenter_id as varchar) as jobcenter_id,
        cast(district as varchar) as district,
        cast(target_group as varchar) as target_group,
        cast(category_of_region as varchar) as category_of_region,
        cast(specific_objective as varchar) as specific_objective,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(planned_participants as integer) as planned_participants,

        cast(_file_sha256 as varchar) as file_sha256,
        cast(_loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
