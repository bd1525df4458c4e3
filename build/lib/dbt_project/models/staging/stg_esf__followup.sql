with

source as (

    select * from {{ source('esf', 'followup') }}

),

renamed as (

    select
        cast(participant_id as varchar) as participant_id,
        cast(project_id as varchar) as project_id,
        cast(exit_date as date) as exit_date,
        cast(status_6m as varchar) as status_6m,
        cast(benefit_receipt_6m as varchar) as benefit_receipt_6m,

        cast(_provider_id as varchar) as jobcenter_id,
        cast(_reporting_month as varchar) as reporting_month,
        cast(_file_sha256 as varchar) as file_sha256,
        cast(_source_row as integer) as source_row,
        cast(_loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
